module github.com/kairos-platform/requestid

go 1.22
