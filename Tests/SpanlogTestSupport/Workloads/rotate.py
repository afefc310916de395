# Writes to app.log, renames it to app.log.1 (as logrotate does) and keeps writing to the old
# descriptor, then reopens app.log. usage: rotate.py DIRECTORY
import os, sys, time

directory = sys.argv[1]
path = os.path.join(directory, "app.log")
log = open(path, "w", buffering=1)
log.write("before rotation\n")
os.rename(path, path + ".1")
time.sleep(1.2)  # part of the scenario: the program notices the rotation only later
log.write("after rotation, old descriptor\n")
log.close()
log = open(path, "w", buffering=1)
log.write("after reopen\n")
