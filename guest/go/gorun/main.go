// gorun: goroutines, channels, a WaitGroup, files and timers, with deterministic output, so that
// a run under hartscope can be compared byte for byte with one under qemu-riscv64.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// collatzSteps is CPU work for the workers: long enough that GOMAXPROCS threads really run. Not
// inlined, so that a trace can count its calls per thread (fbt::main.collatzSteps:entry).
//
//go:noinline
func collatzSteps(n uint64) int {
	steps := 0
	for n != 1 {
		if n%2 == 0 {
			n /= 2
		} else {
			n = 3*n + 1
		}
		steps++
	}
	return steps
}

type result struct {
	worker int
	best   uint64
	steps  int
}

func goroutines() {
	const workers = 6
	const span = 4000
	jobs := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := result{worker: w}
			for start := range jobs {
				for n := start; n < start+span; n++ {
					if s := collatzSteps(uint64(n)); s > r.steps {
						r.steps, r.best = s, uint64(n)
					}
				}
			}
			results <- r
		}(w)
	}
	for start := 1; start < 48*span; start += span {
		jobs <- start
	}
	close(jobs)
	wg.Wait()
	close(results)
	best := result{}
	for r := range results {
		if r.steps > best.steps || (r.steps == best.steps && r.best < best.best) {
			best = r
		}
	}
	fmt.Printf("goroutines: longest Collatz chain below %d starts at %d (%d steps)\n", 48*span, best.best, best.steps)

	// a pipeline of goroutines: generate -> square -> sum, over unbuffered channels
	gen := make(chan int)
	sq := make(chan int)
	go func() {
		for i := 1; i <= 1000; i++ {
			gen <- i
		}
		close(gen)
	}()
	go func() {
		for v := range gen {
			sq <- v * v
		}
		close(sq)
	}()
	sum := 0
	for v := range sq {
		sum += v
	}
	fmt.Printf("pipeline: sum of squares 1..1000 = %d\n", sum)

	// a mutex-protected counter hammered from many goroutines
	var mu sync.Mutex
	counter := 0
	var wg2 sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				if i%100 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg2.Wait()
	fmt.Printf("mutex: counter = %d\n", counter)
}

func check(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func files() {
	dir, err := os.MkdirTemp(".", "gorun-")
	check("mkdirtemp", err)
	defer os.RemoveAll(dir)

	name := dir + "/numbers.txt"
	f, err := os.Create(name)
	check("create", err)
	w := bufio.NewWriter(f)
	for i := 1; i <= 500; i++ {
		fmt.Fprintf(w, "line %d: %s\n", i, strings.Repeat("x", i%17))
	}
	check("flush", w.Flush())
	check("close", f.Close())

	info, err := os.Stat(name)
	check("stat", err)
	fmt.Printf("files: wrote %d bytes, mode %v\n", info.Size(), info.Mode().Perm())

	f, err = os.Open(name)
	check("open", err)
	sc := bufio.NewScanner(f)
	lines, xs := 0, 0
	for sc.Scan() {
		lines++
		xs += strings.Count(sc.Text(), "x")
	}
	check("scan", sc.Err())
	// seek back and read the middle with io.ReadFull
	_, err = f.Seek(100, io.SeekStart)
	check("seek", err)
	buf := make([]byte, 20)
	_, err = io.ReadFull(f, buf)
	check("readfull", err)
	check("close", f.Close())
	fmt.Printf("files: read %d lines, %d x's, bytes 100..120 %q\n", lines, xs, buf)

	// append, rename, read whole, remove
	f, err = os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	check("open append", err)
	_, err = f.WriteString("the end\n")
	check("append", err)
	check("close", f.Close())
	renamed := dir + "/renamed.txt"
	check("rename", os.Rename(name, renamed))
	_, err = os.Stat(name)
	fmt.Printf("files: old name gone after rename: %v\n", errors.Is(err, fs.ErrNotExist))
	data, err := os.ReadFile(renamed)
	check("readfile", err)
	fmt.Printf("files: renamed file has %d bytes, ends %q\n", len(data), data[len(data)-8:])

	for _, n := range []string{"c", "a", "b"} {
		check("writefile", os.WriteFile(dir+"/"+n+".dat", []byte(n), 0o600))
	}
	entries, err := os.ReadDir(dir)
	check("readdir", err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	fmt.Printf("files: directory holds %v\n", names)
	check("remove", os.Remove(renamed))
	_, err = os.Open(renamed)
	fmt.Printf("files: open after remove fails: %v\n", errors.Is(err, fs.ErrNotExist))

	// a pipe between goroutines through the netpoller
	r, pw, err := os.Pipe()
	check("pipe", err)
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(pw, "%d,", i)
		}
		pw.Close()
	}()
	all, err := io.ReadAll(r)
	check("readall", err)
	r.Close()
	fmt.Printf("files: pipe carried %d bytes, last %q\n", len(all), all[len(all)-4:])
}

// timers prints only what holds however the host schedules qemu-riscv64's threads: lower bounds
// on elapsed time, and orders between deadlines minutes apart.
func timers() {
	start := time.Now()
	t := time.NewTimer(20 * time.Millisecond)
	slept := make(chan time.Duration)
	go func() {
		s := time.Now()
		time.Sleep(5 * time.Millisecond)
		slept <- time.Since(s)
	}()
	<-t.C
	fmt.Printf("timers: a 20ms timer fired after at least 20ms: %v\n", time.Since(start) >= 20*time.Millisecond)
	fmt.Printf("timers: a goroutine slept at least 5ms: %v\n", <-slept >= 5*time.Millisecond)
	fmt.Printf("timers: stopping a fired timer: %v\n", t.Stop())

	stopped := time.NewTimer(time.Hour)
	fmt.Printf("timers: stopping an hour timer: %v\n", stopped.Stop())
	stopped.Reset(time.Millisecond)
	<-stopped.C
	fmt.Println("timers: reset to 1ms, it fired")

	start = time.Now()
	ticker := time.NewTicker(2 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	ticker.Stop()
	fmt.Printf("timers: ticker ticked %d times in at least 10ms: %v\n", ticks, time.Since(start) >= 10*time.Millisecond)

	never := make(chan int)
	select {
	case v := <-never:
		fmt.Printf("timers: unexpected value %d\n", v)
	case <-time.After(10 * time.Minute):
		fmt.Println("timers: the 10-minute deadline came first")
	case <-time.After(10 * time.Millisecond):
		fmt.Println("timers: select timed out after 10ms")
	}

	done := make(chan struct{})
	time.AfterFunc(3*time.Millisecond, func() { close(done) })
	<-done
	fmt.Println("timers: AfterFunc ran")
}

func main() {
	// The CPU count is the host's under qemu-riscv64 and one hart under hartscope: ask for four
	// Ps either way, so that the workers run on several threads and the output does not depend on it.
	runtime.GOMAXPROCS(4)
	fmt.Printf("gorun: %s/%s, GOMAXPROCS %d\n", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	goroutines()
	files()
	timers()
	fmt.Fprintln(os.Stderr, "gorun: done")
}
