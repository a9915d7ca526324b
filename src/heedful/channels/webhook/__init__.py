"""The generic webhook: any other source posts signed JSON in Heedful's documented schema,
and (optionally) receives the replies the same way."""
