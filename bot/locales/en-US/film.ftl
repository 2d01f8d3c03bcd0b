## A storyboard's film: its shots joined, its soundtrack cut at the shots, the frame a
## shot ends on (bot/media/film.py).

film-no-shots = The storyboard has no shots yet. Add a shot, then try again.
film-shot-length = Shot { $shot } lasts { $s } s, but a shot must last { $min }–{ $max } s. Change its length, then try again.
film-shot-unreadable = The video of shot { $shot } could not be read. Regenerate that shot, then make the film again.
film-last-frame-unreadable = The last frame of the previous shot could not be read, so this shot can't continue from it. Regenerate the previous shot, or make this cut independent.
film-soundtrack-unreadable = The soundtrack could not be read. Upload it again as an MP3 or WAV file.
film-soundtrack-silent = The soundtrack has no sound in it. Choose a file with music or sound.
film-soundtrack-short = The soundtrack is only { $s } s long; it needs at least { $min } s to give the first shot its part. Choose a longer track.
provider-download-not-png = The provider returned a last frame that isn't a PNG image.
