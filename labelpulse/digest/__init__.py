"""The weekly digest: each owner, admin and manager's week in a few lines, by email and webhook.

- `week`: which seven days a digest covers, and the seven before them;
- `content`: what one person's digest says, every figure a registry report run as them;
- `render`: the digest as text, HTML and the webhook's JSON;
- `deliver`: SMTP and webhook delivery, each failure in words;
- `send`: one run over every recipient (the `labelpulse digest` command and the schedule);
- `schedule`: when `serve` sends it, and the week it last sent, kept in the store.
"""
