"""Talking to OpenAI-compatible endpoints: the client, the prompts, parsing replies."""
