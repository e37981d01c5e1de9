// The Streamlit host's part of the v1 custom-component protocol, as Streamlit's own frontend plays
// it (frontend/lib/src/components/widgets/CustomComponent/ComponentInstance.tsx and
// ComponentRegistry.ts, 1.40+), so the component can be tested without Streamlit:
//
// - the iframe: src `/component/<module>.<name>/index.html?streamlitUrl=<origin+path>`, the same
//   sandbox and allow lists, scrolling="no", height from args.height, hidden until ready;
// - messages are accepted only with an `isStreamlitMessage` key, from the iframe's own window;
// - `streamlit:componentReady` with apiVersion 1 gets `{type: "streamlit:render", args, dfs,
//   disabled, theme}` posted with targetOrigin "*" (any other version is an error state);
// - before ready, setComponentValue and setFrameHeight are dropped with a warning;
// - setFrameHeight sets iframe.height and re-sends the render message (frameHeight is one of its
//   dependencies), as do changes of args JSON, theme, disabled and width; an identical rerun does not;
// - setComponentValue (json by default) "reruns the script": the test's Python side decides args.
//
// The test drives it through window.streamlitHost.

const SANDBOX = 'allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-downloads';
const ALLOW = 'accelerometer; ambient-light-sensor; autoplay; battery; camera; clipboard-write; document-domain; encrypted-media; ' +
  'fullscreen; geolocation; gyroscope; layout-animations; legacy-image-formats; magnetometer; microphone; midi; oversized-images; ' +
  'payment; picture-in-picture; publickey-credentials-get; sync-xhr; usb; vr ; wake-lock; xr-spatial-tracking';

const state = {
  iframe: null,
  ready: false,
  error: null,
  jsonArgs: '{}',
  disabled: false,
  theme: null,
  width: 0,
  frameHeight: undefined,
  lastSent: null,     // the dependency key of the last render message
  log: [],            // every message, both ways: {dir: 'in'|'out', type, data, at}
  warnings: [],
  values: [],         // accepted component values, in order
};

function record(dir, type, data) {
  state.log.push({ dir, type, data: JSON.parse(JSON.stringify(data ?? null)), at: performance.now() });
}

// ComponentInstance: the render message is sent after ready, and again when a dependency changes.
function sendRender(force = false) {
  if (!state.ready || !state.iframe?.contentWindow) return;
  const key = JSON.stringify([state.disabled, state.frameHeight, state.jsonArgs, state.theme, state.width]);
  if (!force && key === state.lastSent) return;
  state.lastSent = key;
  const message = { type: 'streamlit:render', args: JSON.parse(state.jsonArgs), dfs: [], disabled: state.disabled, theme: state.theme };
  record('out', message.type, message);
  state.iframe.contentWindow.postMessage(message, '*');
}

// ComponentRegistry's one listener for the whole app.
window.addEventListener('message', (event) => {
  const data = event.data;
  if (data == null || typeof data !== 'object' || !Object.hasOwn(data, 'isStreamlitMessage')) return;
  if (!event.source) return state.warnings.push('message with no source');
  if (event.source !== state.iframe?.contentWindow) return state.warnings.push('message for unregistered ComponentInstance');
  if (!data.type) return state.warnings.push('message with no type');
  record('in', data.type, data);
  switch (data.type) {
    case 'streamlit:componentReady':
      if (data.apiVersion !== 1) {
        state.error = `Unrecognized component API version: '${data.apiVersion}'`;
        return;
      }
      state.ready = true;
      state.iframe.style.display = 'initial';
      sendRender(true);
      return;
    case 'streamlit:setComponentValue':
      if (!state.ready) return state.warnings.push('Got streamlit:setComponentValue before streamlit:componentReady!');
      if (data.value === undefined) return state.warnings.push("handleSetComponentValue: missing 'value' prop");
      state.values.push({ dataType: data.dataType ?? 'json', value: data.value });
      return;
    case 'streamlit:setFrameHeight':
      if (!state.ready) return state.warnings.push('Got streamlit:setFrameHeight before streamlit:componentReady!');
      if (data.height === undefined) return state.warnings.push("handleSetFrameHeight: missing 'height' prop");
      if (data.height === state.frameHeight) return;
      state.frameHeight = data.height;
      state.iframe.height = String(data.height);
      sendRender();
      return;
    default:
      state.warnings.push(`Unrecognized ComponentBackMsgType: ${data.type}`);
  }
});

window.streamlitHost = {
  state,
  /** Mounts the component as Streamlit does for `declare_component(name, path=...)`. */
  mount({ name, jsonArgs, theme, disabled = false, width = 704 }) {
    state.jsonArgs = jsonArgs;
    state.theme = theme;
    state.disabled = disabled;
    state.width = width;
    const args = JSON.parse(jsonArgs);
    const h = Number(args.height);
    state.frameHeight = Number.isFinite(h) ? h : undefined;
    const src = new URL(`/component/${name}/index.html`, location.href);
    src.searchParams.set('streamlitUrl', location.origin + location.pathname);
    const iframe = document.createElement('iframe');
    iframe.className = 'stCustomComponentV1';
    iframe.setAttribute('allow', ALLOW);
    iframe.setAttribute('sandbox', SANDBOX);
    iframe.setAttribute('scrolling', 'no');
    iframe.title = name;
    iframe.width = String(width);
    iframe.height = String(state.frameHeight ?? 0);
    iframe.style.cssText = 'color-scheme: normal; border: none; padding: 0; margin: 0; display: none';
    iframe.src = src.href;
    state.iframe = iframe;
    document.getElementById('app').appendChild(iframe);
  },
  /** A script rerun with new arguments (sent only if the JSON changed, like the real host). */
  rerun(jsonArgs) {
    state.jsonArgs = jsonArgs;
    sendRender();
  },
  setTheme(theme) {
    state.theme = theme;
    sendRender();
  },
  setDisabled(disabled) {
    state.disabled = disabled;
    sendRender();
  },
  renders() {
    return state.log.filter((m) => m.dir === 'out').length;
  },
};
