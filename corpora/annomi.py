"""AnnoMI (Wu et al., ICASSP 2022; Future Internet 2023): motivational interviewing transcripts.

The ``annomi`` format presets the column mapping of ``AnnoMI-simple.csv``;
anything set explicitly in the config wins. The corpus itself is read from
where the user keeps it (``../shared/corpora/annomi`` here), never copied.
"""

COLUMNS = {
    "text": "utterance_text",
    "role": "interlocutor",
    "session": "transcript_id",
    "group": "mi_quality",
    "order": "utterance_id",
    "id": None,
    "therapist": None,  # AnnoMI does not say who the therapists are
}
KEEP_ROLES = ["therapist"]
METADATA = ["topic", "main_therapist_behaviour"]
#: Kept with the client's turns only: the change / sustain / neutral label, and when the turn was spoken.
TURN_METADATA = ["client_talk_type", "timestamp"]
