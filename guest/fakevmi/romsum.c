/* Host tool: set the last byte of an option ROM so that its bytes sum to 0 mod 256. */
#include <stdio.h>
int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: romsum file\n"); return 2; }
    FILE *f = fopen(argv[1], "r+b");
    if (!f) { perror(argv[1]); return 1; }
    unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    if (n < 512 || n % 512) { fprintf(stderr, "romsum: bad size %zu\n", n); return 1; }
    unsigned char s = 0;
    for (size_t i = 0; i + 1 < n; i++) s += buf[i];
    buf[n - 1] = (unsigned char)(0x100 - s);
    fseek(f, 0, SEEK_SET);
    fwrite(buf, 1, n, f);
    return fclose(f) != 0;
}
