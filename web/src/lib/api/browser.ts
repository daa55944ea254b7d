/** The one client the web app uses: same origin, session cookie sent by the browser. */
import { ApiClient } from './client.ts';

export const api = new ApiClient();
