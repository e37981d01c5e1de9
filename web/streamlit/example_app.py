"""Example Streamlit app: a lead board with the Porchlight coach beside it.

    export PORCHLIGHT_URL=http://localhost:8080
    export PORCHLIGHT_PUBLISHABLE_KEY=pk_...          # allowed origin: http://localhost:8501
    export PORCHLIGHT_LOCATION_ID=loc_...
    export PORCHLIGHT_AGENT_TOKEN_SECRET=...          # printed by `porchlight-proxy locations create`
    pip install ./web/streamlit                       # after `npm run build` (brings Streamlit)
    streamlit run web/streamlit/example_app.py        # or .venv/bin/streamlit in a Porchlight checkout
"""

import streamlit as st

from porchlight_streamlit import porchlight_coach

st.set_page_config(page_title="Lead board · Porchlight", layout="wide")
st.title("Lead board")

LEADS = {
    "lead-jordan-lee": {"id": "lead-jordan-lee", "name": "Jordan Lee", "stage": "qualifying",
                        "facts": {"motivation": "Relocating for a new job", "timeline": "Move by March 1"}},
    "lead-sam-ortiz": {"id": "lead-sam-ortiz", "name": "Sam Ortiz", "stage": "under_contract",
                       "facts": {"closing_date": "2026-12-18", "inspection_deadline": "2026-12-02"}},
}

left, right = st.columns([2, 3])
with left:
    agent = st.text_input("Agent profile id", value="demo-agent")
    lead_id = st.selectbox("Lead", list(LEADS), format_func=lambda i: LEADS[i]["name"])
    lead = dict(LEADS[lead_id])
    facts = dict(lead["facts"])
    if lead["stage"] == "qualifying":
        area = st.text_input("Target area")
        budget = st.text_input("Budget")
        pre_approved = st.checkbox("Pre-approved")
        if area:
            facts["target_area"] = area
        if budget:
            facts["budget"] = budget
        if pre_approved:
            facts["pre_approved"] = True
    lead["facts"] = facts

with right:
    value = porchlight_coach(profile=agent, lead=lead, key="coach", height=640)

with left:
    st.subheader("What the coach suggested")
    if value and value.get("guidance"):
        for card in value["guidance"]["cards"]:
            st.markdown(f"**{card.get('title', card['type'])}**")
            if card["type"] == "next_best_action":
                st.write(card.get("suggestion") or card.get("text"))
            elif card["type"] == "qualification_checklist":
                st.progress(card["score"] / 100, text=f"Checklist score {card['score']}")
        source = "live mode" if value["guidance"]["source"] == "live" else "the coach's answer"
        st.caption(f"From {source}")
        if value.get("feedback"):
            st.caption(f"Feedback recorded: {value['feedback']['rating']}")
    else:
        st.caption("Ask the coach something; its guidance shows up here.")
