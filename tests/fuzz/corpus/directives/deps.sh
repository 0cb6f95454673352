#!/bin/sh

# a comment
#BATON -d afterok:1?afterany:2 --begin now+1h
#BATON --time=2-12:00:00 --mem 8G -c 4 --gpus 1
  #BATON --signal=USR1@60 --kill-on-invalid-dep=yes # trailing comment
echo done
#BATON -J ignored
