// Loading a list from the API into a container: a loading sign first, then the
// items, or a kind error with a "try again" button.

import { clear } from './dom.js';
import { loading, loadFailed } from './ui.js';
import { api } from './api.js';

/**
 * Fetch `source` (an API path answering {items: [...]}, or a function
 * returning a promise of the items) and hand the items to `show`, which fills
 * `body`. Returns a function that loads again.
 */
export function loadItems(body, source, show) {
  async function load() {
    clear(body).append(loading());
    let items;
    try {
      if (typeof source === 'function') {
        items = await source();
      } else {
        const data = await api('GET', source);
        items = (data && Array.isArray(data.items)) ? data.items : [];
      }
    } catch (err) {
      clear(body).append(loadFailed(err, load));
      return;
    }
    clear(body);
    show(items);
  }
  load();
  return load;
}
