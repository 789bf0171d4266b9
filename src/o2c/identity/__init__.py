"""Identity: API keys with named holders, OpenID Connect tokens, and the principal they give."""
