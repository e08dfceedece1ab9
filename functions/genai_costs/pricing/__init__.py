"""The price catalog's supply side and its API.

- ``sources``: the two public price sources, each read from a pinned package into :class:`Quote`\\ s in
  the catalog's own terms (provider ids, model ids as usage reports them, USD per 1,000 tokens, exact
  decimals): ``genai_prices`` (the ``genai-prices`` package) and ``litellm`` (LiteLLM's price data file,
  extracted from its pinned wheel; LiteLLM's library is never imported).
- ``candidates``: every price key either source or the catalog knows, with both sources' quotes.
- ``compare`` / ``plan``: per rate, agreement within 1 % is accepted; anything else becomes a proposal.
  The plan is what the sync would write: new effective-dated rows, end dates of the rows they follow,
  proposals, audit rows. Pure: no I/O.
- ``sync``: reads the catalog, plans, writes the plan in one transaction (or only reports it: diff).
- ``review``: accept or reject proposals, then apply what they unblock, in one transaction.
- ``coverage``: how many current chat/embedding models both sources list are priced.
- ``validation`` / ``catalog_api`` / ``http_api``: create, read, update and disable custom price rows
  and subscription rows, with an audit row per change.
"""
