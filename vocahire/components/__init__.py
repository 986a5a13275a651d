"""Reusable UI pieces: the layout, cards, the WebRTC wrapper, charts."""
