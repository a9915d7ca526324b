"""The web app: REST API v1, server-rendered pages, authentication."""
