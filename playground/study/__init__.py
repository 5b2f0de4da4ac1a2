"""The peer-preservation study's released format: transcripts read into recordings
(``transcripts``), which scenario and variables a recording replays in (``mapping``, from
``study_map.yaml``), the replay as a steppable episode (``importer``), and the agreement of
the study's own flags with our detectors (``agreement``). Imports only ``store`` and below."""
