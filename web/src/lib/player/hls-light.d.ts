// `hls.js/light` (dist/hls.light.mjs) ships no declarations of its own; its API is the full
// build's, minus the features it leaves out (they answer empty or do nothing).
declare module 'hls.js/light' {
  import Hls from 'hls.js';
  export default Hls;
}
