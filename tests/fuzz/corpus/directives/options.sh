#BATON --hold --singleton --retry-delay 5m -e err-%j.txt
#BATON
#BATON	-a 1,3,5-9 --wrap 'echo hi'
