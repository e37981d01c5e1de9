// v2.ts: the component for Streamlit's second component API (st.components.v2, Streamlit 1.51+).
// No iframe: Streamlit imports this module into the app's page and calls its default export with
// the component's shadow root (styles isolated) and porchlight_coach()'s arguments as `data`,
// again on every rerun that changes them or the theme, and calls the function returned by the
// first call when the component leaves the page. The value is a state value ("value"): it lasts
// across reruns, and setting it reruns the script. Streamlit gives its theme as --st-* CSS
// properties around the shadow root; it has no `disabled` for components.
//
// The arguments' shape is @streamlit/component-v2-lib's FrontendRendererArgs (0.2.0); only the
// fields used here are declared.

import { type CoachArgs, CoachHost } from './coach-host';

interface FrontendRendererArgs {
  data: CoachArgs;
  parentElement: HTMLElement | ShadowRoot;
  setStateValue: (name: 'value', value: unknown) => void;
}

// One coach per mounted component (an app may show several), kept across the calls of its reruns.
const coaches = new WeakMap<HTMLElement | ShadowRoot, CoachHost>();

export default function porchlightCoach({ data, parentElement, setStateValue }: FrontendRendererArgs): () => void {
  let coach = coaches.get(parentElement);
  if (!coach) {
    const root = document.createElement('div');
    root.className = 'porchlight-root';
    parentElement.appendChild(root);
    coach = new CoachHost(root, (value) => setStateValue('value', value));
    coaches.set(parentElement, coach);
  }
  coach.render(data ?? {});
  coach.followTheme();
  return () => {
    coaches.get(parentElement)?.destroy();
    coaches.delete(parentElement);
  };
}
