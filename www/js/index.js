// The landing page: large-text mode and the service worker that keeps the pages offline.
import { setupLargeText, registerServiceWorker, $ } from './common.js';

setupLargeText($('large'));
registerServiceWorker();
