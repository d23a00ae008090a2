"""The answer engine (cited, extractive by default) and the Streamlit chat over it."""
