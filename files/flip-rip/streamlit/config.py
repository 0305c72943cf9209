# Where the app finds the API (upstream streamlit/config.py: API_URL = 'http://api:8000', a
# Docker service name). On one host the API listens on loopback; FLIP_API_URL overrides.
import os

API_URL = os.environ.get("FLIP_API_URL", "http://127.0.0.1:8000/api/v1")
