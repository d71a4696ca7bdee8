"""The web layer: routes, forms, templates; it calls services and never git."""
