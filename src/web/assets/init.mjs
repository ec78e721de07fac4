// govuk-frontend's components, started from an external file so the pages need no inline script
// (a strict Content-Security-Policy: script-src 'self'). Without JavaScript every page still works.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
