// Small DOM helpers: build elements, and update text without touching layout when unchanged.

/**
 * An element with attributes (`on*` functions become listeners) and children.
 *
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "class") element.className = String(value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** Set an element's text only when it changed (no needless reflow). */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** Replace an element's children. */
export function replaceChildren(element, ...children) {
  element.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}
