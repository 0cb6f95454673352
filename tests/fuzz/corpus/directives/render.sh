#!/bin/bash
#BATON -J render -a 0-99%10 -t 30 -o render-%A_%a.out
#BATON --retries 2
render frame "$BATON_ARRAY_TASK_ID"
