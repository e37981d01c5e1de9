// The Streamlit component through streamlit.components.v1 (the iframe), in real Streamlit: streamlit-app.mjs.
import { testComponentApi } from './streamlit-app.mjs';

testComponentApi('v1');
