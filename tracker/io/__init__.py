"""What goes in and out: frames (video, image folder, MOT sequence), detections (files, with their
scores calibrated, or a detector's), MOTChallenge files, and reading ahead on a thread."""
