"""flip.rip's Streamlit app, started as upstream's streamlit/Dockerfile does: `streamlit run
app.py` in the app's directory. It shows who is signed in (nginx's auth_basic user, from
X-Forwarded-User) and their record from the API, as upstream's app.py sidebar does."""
import streamlit as st

from user.user import User

st.set_page_config(initial_sidebar_state="collapsed", page_title="Flip that rip")


def main():
    user = User()
    if not user.current_username:
        st.error("No X-Forwarded-User header: reach this app through nginx (auth_basic).")
        return
    st.sidebar.markdown(f"Logged in as **{user.current_username}**.")
    st.write(user.db_user)


main()
