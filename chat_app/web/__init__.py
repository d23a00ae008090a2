"""The Streamlit edge: `streamlit run chat_app/web/app.py`. Only app.py imports streamlit."""
