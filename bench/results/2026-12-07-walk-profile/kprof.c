/* Counts executions of every kernel-address translation block (diagnosis only). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <glib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

typedef struct {
	uint64_t vaddr;
	unsigned long insns;
	unsigned long mem;
	struct qemu_plugin_scoreboard *count;
} Block;

static GMutex lock;
static GHashTable *blocks;
static const char *out_path = "/tmp/kprof.out";

static guint bhash(gconstpointer v) { const Block *b = v; return b->vaddr ^ b->insns; }
static gboolean beq(gconstpointer a, gconstpointer b)
{
	const Block *x = a, *y = b;
	return x->vaddr == y->vaddr && x->insns == y->insns;
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);
	Block key = { .vaddr = pc, .insns = n }, *b;

	if (pc < 0xffff800000000000ULL)
		return;
	g_mutex_lock(&lock);
	b = g_hash_table_lookup(blocks, &key);
	if (!b) {
		b = g_new0(Block, 1);
		b->vaddr = pc;
		b->insns = n;
		for (size_t i = 0; i < n; i++) {
			char *d = qemu_plugin_insn_disas(qemu_plugin_tb_get_insn(tb, i));
			if (d && (strchr(d, '[') || strstr(d, "(%")) && !strstr(d, "lea") && !strstr(d, "nop"))
				b->mem++;
			g_free(d);
		}
		b->count = qemu_plugin_scoreboard_new(sizeof(uint64_t));
		g_hash_table_insert(blocks, b, b);
	}
	g_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
		qemu_plugin_scoreboard_u64(b->count), 1);
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
	FILE *f = fopen(out_path, "w");
	GList *l = g_hash_table_get_values(blocks), *it;

	for (it = l; it; it = it->next) {
		Block *b = it->data;
		uint64_t c = qemu_plugin_u64_sum(qemu_plugin_scoreboard_u64(b->count));
		if (c)
			fprintf(f, "%" PRIx64 " %lu %lu %" PRIu64 "\n", b->vaddr, b->insns, b->mem, c);
	}
	fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = g_strdup(argv[i] + 4);
	blocks = g_hash_table_new(bhash, beq);
	qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
	qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
	return 0;
}
