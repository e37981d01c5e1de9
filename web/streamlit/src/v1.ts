// v1.ts: the component for Streamlit's first component API (streamlit.components.v1, any Streamlit
// since 1.28): it runs in the component's iframe and speaks the protocol by hand (the messages
// streamlit-component-lib sends):
//
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:componentReady", apiVersion: 1}
//   host -> iframe  {type: "streamlit:render", args, dfs, disabled, theme}
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:setFrameHeight", height}
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:setComponentValue", value, dataType: "json"}
//
// The render message's theme becomes the --st-* CSS properties that Streamlit itself sets for a
// v2 component, so that one stylesheet (coach.css) themes both.

import { type CoachArgs, CoachHost } from './coach-host';

interface Theme {
  primaryColor?: string;
  backgroundColor?: string;
  secondaryBackgroundColor?: string;
  textColor?: string;
  font?: string;
}

interface RenderData {
  args: CoachArgs;
  disabled: boolean;
  theme?: Theme;
}

function send(type: string, data: Record<string, unknown> = {}): void {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, '*');
}

const coach = new CoachHost(document.getElementById('root')!, (value) => send('streamlit:setComponentValue', { value, dataType: 'json' }));

const THEME_PROPERTIES: Array<[keyof Theme, string]> = [['primaryColor', '--st-primary-color'], ['backgroundColor', '--st-background-color'],
  ['secondaryBackgroundColor', '--st-secondary-background-color'], ['textColor', '--st-text-color'], ['font', '--st-font']];

function applyTheme(theme: Theme): void {
  for (const [field, property] of THEME_PROPERTIES) {
    const value = String(theme[field] ?? '').replace(/[;{}<>]/g, '');
    if (value) document.documentElement.style.setProperty(property, value);
    else document.documentElement.style.removeProperty(property);
  }
}

let lastHeight = -1;
function setFrameHeight(): void {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  send('streamlit:setFrameHeight', { height });
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the parent (Streamlit's page) renders this component.
  if (event.source !== window.parent || !event.data || event.data.type !== 'streamlit:render') return;
  const data = event.data as RenderData;
  if (data.theme) applyTheme(data.theme);
  coach.render(data.args ?? {}, !!data.disabled);
  coach.followTheme();
  setFrameHeight();
});
new ResizeObserver(setFrameHeight).observe(document.documentElement);
send('streamlit:componentReady', { apiVersion: 1 });
