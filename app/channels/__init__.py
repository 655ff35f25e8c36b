"""Channels: where a rep practises (web, terminal; Slack and WeCom plug in the same way).

In the shape of Rasa's input and output channels. An input adapter turns a platform's request
into an :class:`~app.channels.base.IncomingMessage`; :class:`~app.channels.gateway.Conversations`
plays it through the one :class:`~app.services.sessions.PracticeService`; an
:class:`~app.channels.base.OutputChannel` sends the customer's line, the score card and the
scorecard in the platform's own format. No role-play logic lives in an adapter.
"""
