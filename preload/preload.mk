# libdtee.so: position-independent objects built apart from the launcher's,
# only the interposed symbols exported (preload/libdtee.map).
PRELOAD_SAN ?=
DTEE_SO_CFLAGS := -fPIC -fvisibility=hidden

$(B)/libdtee.so: $(PRELOAD_OBJ) preload/libdtee.map
	$(CC) -shared $(DTEE_CFLAGS) $(DTEE_SO_CFLAGS) $(PRELOAD_SAN) $(CFLAGS) $(LDFLAGS) \
		-Wl,--version-script=preload/libdtee.map -Wl,-z,defs -o $@ $(PRELOAD_OBJ) -ldl

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
