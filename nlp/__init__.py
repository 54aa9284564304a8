"""Pure text analysis: normalise, language id, tokenise, relevance, topic, sentiment, risk.

No database, no network, no settings object: plain arguments in, records out.
"""
