/**
 * The tracker's pure core: the operations (their schemas, keys and total order), the hybrid
 * logical clock's timestamps, the state rows, `State.apply` over them, the state digest and the
 * log's trim point. Given the same operations it computes the same state on every tracker, so it
 * does no I/O: it imports only `lib/common` and `node:crypto`'s hash, never SQLite, sockets,
 * timers, the wall clock or `Deno.*` (time comes in as a parameter). The rest of `lib/tracker`
 * imports it through this file.
 *
 * @module
 */
export type {
  AnswersEntity,
  ConflictEntity,
  Entity,
  FileEntity,
  GroupEntity,
  HashesEntity,
  LogoutEntity,
  Membership,
  RequestAnswer,
  SetAsideEntity,
  Sharer,
  TrackerAddressEntity,
  TrackerKeyEntity,
  TrackerRemovedEntity,
  UserEntity,
} from "./entities.ts";
export { canonicalJson, stateDigest } from "./digest.ts";
export { compareHlc, formatHlc, type Hlc, hlcOfOrderKey, HybridClock } from "./hlc.ts";
export {
  type OpBody,
  OpBodySchema,
  type Operation,
  OperationSchema,
  parseOperation,
  type ScryptParams,
  ScryptParamsSchema,
} from "./op_schema.ts";
export { keyOf, opId, orderKey, wallOfOrderKey } from "./ops.ts";
export { type ApplyOutcome, MAX_ANSWERS_PER_USER, State } from "./state.ts";
export { type TrackerView, trimPoint } from "./trim.ts";
export { checkRow, EntitySchema, keyOfEntity } from "./entity_schema.ts";
