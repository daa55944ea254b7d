// First: a lecture page opens its playback session beside /api/me, not after it, and before the
// shell below is evaluated (docs/player.md, "Start-up").
import './lib/player/early-boot.ts';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { initLocale } from './lib/i18n/index.svelte.ts';
import { holdLineForStart } from './lib/line-quiet.svelte.ts';
import { refreshSession } from './lib/session.svelte.ts';
import { loadSite } from './lib/site.svelte.ts';
import { registerServiceWorker } from './lib/sw-register.ts';

// A lecture's first frame comes before the nav's decorations (lib/line-quiet.svelte.ts).
if (window.location.pathname.startsWith('/lectures/')) holdLineForStart();

// Ask who is signed in while the language settles; the shell shows "loading" until it knows.
void refreshSession();
void loadSite();
void initLocale().then(() => {
  mount(App, { target: document.getElementById('app')! });
});

// Keeps the shell on the device for the next visit (production builds only).
registerServiceWorker();
