#!/bin/bash
#BATON -J 'my job' --env "A=b c" --env K=\$V
#BATON --export=NONE,PATH=/bin --constraint rack=a --resource license=2
#BATON -q gpu -p 5 --nice 10 --open-mode append -D /tmp
run
