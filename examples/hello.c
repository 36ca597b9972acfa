// hello: the program README's main command runs. Greets, then counts the
// lines and words of each file named on the command line, which it can
// only open inside directories given to it with `egret run --dir`.
//
// Rebuild: clang --target=wasm32-wasi -O2 -Wl,--strip-debug examples/hello.c -o examples/hello.wasm
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello from WebAssembly, running on Egret!\n");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            perror(argv[i]);
            status = 1;
            continue;
        }
        long lines = 0, words = 0;
        int c, in_word = 0;
        while ((c = fgetc(f)) != EOF) {
            if (c == '\n')
                lines++;
            int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
            if (!space && !in_word)
                words++;
            in_word = !space;
        }
        fclose(f);
        printf("%s: %ld lines, %ld words\n", argv[i], lines, words);
    }
    return status;
}
