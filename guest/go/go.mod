module hartscope.test/guest/go

go 1.19
