/**
 * Fakes and fixtures for the peer's tests, imported only by tests (scripts/check_layers.ts
 * refuses it from production code): a fake tracker API and services, a fake engine, a scripted
 * tracker over real loopback sockets, a seeder that lies, and a swarm fixture with real seeders.
 *
 * @module
 */
export { FakeApi, FakeServices } from "./fake_api.ts";
export { FakeEngine } from "./fake_engine.ts";
export { fakeFileTracker } from "./fake_files.ts";
export { closedPort, FakeTracker } from "./fake_tracker.ts";
export { type TestIdentity, testIdentity } from "./identities.ts";
export { startLyingSeeder } from "./lying_seeder.ts";
export { SimpleFileSource } from "./simple_file_source.ts";
export { startSeeder, tempDir } from "./swarm_fixture.ts";
