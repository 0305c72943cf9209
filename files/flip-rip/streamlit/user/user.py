"""The signed-in user, as the flip.rip code finds it (upstream streamlit/user/user.py): the
X-Forwarded-User header that nginx sets from auth_basic's $remote_user, then the API's
/user/{name}, which creates the user on first sight."""
import json
from urllib.parse import quote
from urllib.request import urlopen

import streamlit as st

from config import API_URL


class User:
    def __init__(self):
        self.resource = f"{API_URL}/user"
        self.current_username = self.get_active_user()
        self.db_user = self.get_db_user()

    def get_active_user(self):
        # Streamlit >= 1.37 exposes the request headers of the session's WebSocket.
        return st.context.headers.get("X-Forwarded-User")

    def get_db_user(self):
        if not self.current_username:
            return None
        with urlopen(f"{self.resource}/{quote(self.current_username, safe='')}", timeout=10) as r:
            return json.load(r)
