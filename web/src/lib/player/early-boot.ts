/**
 * Imported first by main.ts, so that a lecture page's session is asked for before the rest of
 * the shell (App and its imports) is evaluated: ES modules run in import order, and on a cheap
 * phone evaluating the shell takes a good part of a round trip (docs/player.md, "Start-up").
 */
import { startEarly } from './early-start.ts';

startEarly(window.location.pathname);
