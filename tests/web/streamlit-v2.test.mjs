// The Streamlit component through st.components.v2 (in the page, a shadow root), in real Streamlit: streamlit-app.mjs.
import { testComponentApi } from './streamlit-app.mjs';

testComponentApi('v2');
