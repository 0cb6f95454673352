#!/bin/sh
#BATON -J "unterminated
