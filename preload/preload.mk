# libdtee.so: position-independent objects built apart from the launcher's,
# only the interposed symbols exported (preload/libdtee.map).
PRELOAD_SAN ?=
DTEE_SO_CFLAGS := -fPIC -fvisibility=hidden
# How it is linked: against the libc (every symbol resolved at link time).
# make musl links it against no libc (-nostdlib), so that it also loads in
# a program on another libc (preload/libc.c).
DTEE_SO_LINK ?= -Wl,-z,defs -ldl

$(B)/libdtee.so: $(PRELOAD_OBJ) preload/libdtee.map
	$(CC) -shared $(DTEE_CFLAGS) $(DTEE_SO_CFLAGS) $(PRELOAD_SAN) $(CFLAGS) $(LDFLAGS) \
		-Wl,--version-script=preload/libdtee.map -o $@ $(PRELOAD_OBJ) $(DTEE_SO_LINK)

$(B)/preload/%.pic.o: preload/%.c preload/preload.mk
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(DTEE_SO_CFLAGS) $(PRELOAD_SAN) $(CFLAGS) -c -o $@ $<

-include $(PRELOAD_OBJ:.o=.d)

# The Python and Perl hooks (preload/python, preload/perl), copied next to
# libdtee.so, where dtee finds them in a build tree as once installed.
PRELOAD_RUNTIME := python/sitecustomize.py perl/Dtee/Order.pm
all: $(PRELOAD_RUNTIME:%=$(B)/%)

$(B)/python/%: preload/python/%
	@mkdir -p $(@D)
	cp $< $@
$(B)/perl/%: preload/perl/%
	@mkdir -p $(@D)
	cp $< $@
