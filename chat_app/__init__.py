"""policy-qa's answers and their edges.

    records.py   the answer contract every edge prints (Answer, Citation)
    engine/      question -> retrieval -> reader -> cited answer; imports no edge
    tuning/      fitting the reader on training questions, measuring answers on gold sets
    documents/   what the edges share: the index as they see it, uploads, who may change them
    cli/         edge: `python -m chat_app ...`
    web/         edge: the Streamlit chat
    http_api/    edge: the HTTP JSON API
"""
