"""What Facebook Pages and Instagram share: Meta's webhook envelope and signature, the
verify-token handshake, Messenger-platform messaging events and the Graph API client."""
