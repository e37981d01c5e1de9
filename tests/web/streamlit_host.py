"""Streamlit's Python side, played for the component test (Streamlit cannot be installed here).

Imports the real ``porchlight_streamlit`` package with ``streamlit.components.v1`` replaced by a
module that does what Streamlit's ``declare_component`` and its component call do
(lib/streamlit/components/v1/custom_component.py): the component's name is
``<caller module>.<name>``, and a call's arguments become ``dict(kwargs, default=..., key=...)``
serialized with ``json.dumps``. Prints what the host page needs to mount the frontend:

    python3 streamlit_host.py '{"profile": "demo-agent", "lead": {...}, ...}'
    -> {"name": ..., "path": ..., "url": ..., "json_args": "...", "returned": ...}

Errors raised by ``porchlight_coach`` are printed as {"error": {"type", "message"}}.
"""

import inspect
import json
import os
import sys
import types

declared = {}


def declare_component(name, path=None, url=None):
    module = inspect.getmodule(inspect.currentframe().f_back)
    declared.update(name=f"{module.__name__}.{name}", path=path, url=url)

    def component(*args, default=None, key=None, on_change=None, tab_index=None, **kwargs):
        if args:
            raise TypeError("components take keyword arguments only")
        declared["json_args"] = json.dumps(dict(kwargs, **{"default": default, "key": key}))
        return default

    return component


v1 = types.ModuleType("streamlit.components.v1")
v1.declare_component = declare_component
components = types.ModuleType("streamlit.components")
components.v1 = v1
streamlit = types.ModuleType("streamlit")
streamlit.components = components
sys.modules.update({"streamlit": streamlit, "streamlit.components": components, "streamlit.components.v1": v1})

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../web/streamlit"))
from porchlight_streamlit import porchlight_coach  # noqa: E402

try:
    returned = porchlight_coach(**json.loads(sys.argv[1]))
    print(json.dumps(dict(declared, returned=returned)))
except (ValueError, TypeError, FileNotFoundError, ImportError) as e:
    print(json.dumps({"error": {"type": type(e).__name__, "message": str(e)}}))
