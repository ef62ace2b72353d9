/* One tiny program whose first argument picks the outcome CTest sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "pass";
    if (strcmp(mode, "fail") == 0) {
        fprintf(stderr, "expected 4 but got 5\n");
        return 1;
    }
    if (strcmp(mode, "skip") == 0) {
        printf("no GPU here\n");
        return 77;
    }
    if (strcmp(mode, "crash") == 0) {
        abort();
    }
    if (strcmp(mode, "flaky") == 0 && argc > 2) {
        /* Fails while the marker is missing, so the first attempt fails and the repeat passes. */
        FILE *marker = fopen(argv[2], "r");
        if (marker == NULL) {
            marker = fopen(argv[2], "w");
            if (marker != NULL) {
                fclose(marker);
            }
            fprintf(stderr, "first attempt fails on purpose\n");
            return 1;
        }
        fclose(marker);
    }
    printf("ok\n");
    return 0;
}
