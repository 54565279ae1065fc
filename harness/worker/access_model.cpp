#include "worker/access_model.hpp"

#include <opcode.h>  // opcode numbers and NB_* operators (CPython's public header)

#include <cstring>

#include "worker/frame_peek.h"

namespace pyrace {

void Access::add(const void* object, const void* key, bool write) {
  if (kind == Kind::Anything) return;
  if (count == kMaxLocs) {
    kind = Kind::Anything;
    return;
  }
  kind = Kind::Precise;
  locs[static_cast<size_t>(count++)] = {reinterpret_cast<std::uintptr_t>(object), reinterpret_cast<std::uintptr_t>(key),
                                        write};
}

namespace {

std::vector<PyObject*> g_standins;  // stand-in types whose methods touch their own object only

// A value whose operations run no code outside the interpreter and change nothing: ints,
// floats, strings, bytes, None, bools, and tuples and slices of those.
bool simple(PyObject* o, int depth = 0) {
  if (o == nullptr) return false;
  if (o == Py_None || o == Py_Ellipsis || PyBool_Check(o) || PyLong_CheckExact(o) || PyFloat_CheckExact(o) ||
      PyComplex_CheckExact(o) || PyUnicode_CheckExact(o) || PyBytes_CheckExact(o))
    return true;
  if (depth >= 2) return false;
  if (PyTuple_CheckExact(o)) {
    const Py_ssize_t n = PyTuple_GET_SIZE(o);
    if (n > 16) return false;
    for (Py_ssize_t i = 0; i < n; ++i)
      if (!simple(PyTuple_GET_ITEM(o, i), depth + 1)) return false;
    return true;
  }
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    return simple(s->start, depth + 1) && simple(s->stop, depth + 1) && simple(s->step, depth + 1);
  }
  return false;
}

bool immutable_container(PyObject* o) {
  return PyTuple_CheckExact(o) || PyUnicode_CheckExact(o) || PyBytes_CheckExact(o) || PyFrozenSet_CheckExact(o);
}
bool is_deque(PyObject* o) {
  PyTypeObject* t = Py_TYPE(o);
  return !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) && std::strcmp(t->tp_name, "collections.deque") == 0;
}
bool mutable_container(PyObject* o) {
  return PyList_CheckExact(o) || PyDict_CheckExact(o) || PySet_CheckExact(o) || PyByteArray_CheckExact(o) ||
         is_deque(o);
}

// Looking something up in the container compares it with the elements (or, for dicts and sets,
// with the keys whose hash matches): only when all of them are simple does no element's own
// __eq__ run. Bounded: a larger container counts as not simple.
bool elements_simple(PyObject* c) {
  constexpr Py_ssize_t kMax = 64;
  if (PyList_CheckExact(c) || PyTuple_CheckExact(c)) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(c);
    if (n > kMax) return false;
    PyObject** items = PySequence_Fast_ITEMS(c);
    for (Py_ssize_t i = 0; i < n; ++i)
      if (!simple(items[i])) return false;
    return true;
  }
  if (PyDict_CheckExact(c)) {
    if (PyDict_GET_SIZE(c) > kMax) return false;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(c, &pos, &k, &v))
      if (!simple(k)) return false;
    return true;
  }
  if (PySet_CheckExact(c) || PyFrozenSet_CheckExact(c)) {
    if (PySet_GET_SIZE(c) > kMax) return false;
    PyObject* it = PyObject_GetIter(c);
    if (it == nullptr) return PyErr_Clear(), false;
    bool ok = true;
    for (PyObject* k; ok && (k = PyIter_Next(it)) != nullptr;) {
      ok = simple(k);
      Py_DECREF(k);
    }
    Py_DECREF(it);
    PyErr_Clear();
    return ok;
  }
  return PyUnicode_CheckExact(c) || PyBytes_CheckExact(c);  // `x in "text"`: no element code
}

// A dict that is also a namespace (the frame's globals or builtins) is read and written by name
// (LOAD_GLOBAL, STORE_GLOBAL: location (dict, name)); reaching it as a container (globals()["n"])
// is not matched against those, so it may touch anything.
bool namespace_dict(PyObject* d, void* frame) {
  return d == pyrace_frame_globals(frame) || d == pyrace_frame_builtins(frame);
}

// A class attribute read (a method, a default value, or its absence) depends on every class of
// the MRO: a write to any of them, or to the instance, can change what the lookup finds.
void add_mro(Access& a, PyTypeObject* tp, PyObject* name) {
  PyObject* mro = tp->tp_mro;
  if (mro == nullptr || !PyTuple_Check(mro)) return a.add(tp, name, false);
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i) a.add(PyTuple_GET_ITEM(mro, i), name, false);
}

// A descriptor whose __get__ is known to run no code of its own: functions and methods bind,
// slots and C getters read the object.
bool plain_descriptor(PyObject* d) {
  PyTypeObject* t = Py_TYPE(d);
  if (t->tp_descr_get == nullptr) return t->tp_descr_set == nullptr;  // a plain class attribute
  return PyFunction_Check(d) || t == &PyMethodDescr_Type || t == &PyClassMethodDescr_Type ||
         t == &PyWrapperDescr_Type || t == &PyMemberDescr_Type || t == &PyGetSetDescr_Type ||
         t == &PyClassMethod_Type || t == &PyStaticMethod_Type;
}

bool dunder(PyObject* name) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(name, &n);
  if (s == nullptr) return PyErr_Clear(), true;
  return n >= 4 && s[0] == '_' && s[1] == '_' && s[n - 1] == '_' && s[n - 2] == '_';
}

Access attribute(PyObject* owner, PyObject* name, bool write) {
  if (owner == nullptr || name == nullptr || !PyUnicode_Check(name)) return Access::anything();
  Access a = Access::local();  // add() makes it Precise
  if (PyModule_CheckExact(owner)) {  // a module's attributes are its globals
    PyObject* d = PyModule_GetDict(owner);
    if (d == nullptr) return Access::anything();
    static PyObject* getattr_name = PyUnicode_InternFromString("__getattr__");  // kept for the process
    if (!write && PyDict_GetItemWithError(d, getattr_name) != nullptr) return Access::anything();  // PEP 562
    PyErr_Clear();
    a.add(d, name, write);
    return a;
  }
  if (PyType_CheckExact(owner)) {  // a class's own attribute (metaclass: type itself)
    if (write) {
      if (dunder(name)) return Access::anything();  // __bases__, __getattr__...: what other steps do changes
      a.add(owner, name, true);
      return a;
    }
    PyObject* descr = _PyType_Lookup(reinterpret_cast<PyTypeObject*>(owner), name);  // borrowed
    if (descr != nullptr && !plain_descriptor(descr)) return Access::anything();
    add_mro(a, reinterpret_cast<PyTypeObject*>(owner), name);
    return a;
  }
  PyTypeObject* tp = Py_TYPE(owner);
  if (write ? tp->tp_setattro != PyObject_GenericSetAttr : tp->tp_getattro != PyObject_GenericGetAttr)
    return Access::anything();  // __getattr__, __getattribute__, __setattr__: code of its own
  PyObject* descr = _PyType_Lookup(tp, name);  // borrowed
  if (descr != nullptr && !plain_descriptor(descr)) return Access::anything();  // a property, a custom descriptor
  if (write && descr != nullptr && Py_TYPE(descr)->tp_descr_set != nullptr && Py_TYPE(descr) != &PyMemberDescr_Type)
    return Access::anything();  // a C setter
  a.add(owner, name, write);
  if (!write) add_mro(a, tp, name);
  return a;
}

PyObject* name_at(PyObject* code, int index) {
  PyObject* names = reinterpret_cast<PyCodeObject*>(code)->co_names;
  if (names == nullptr || index < 0 || index >= PyTuple_GET_SIZE(names)) return nullptr;
  return PyTuple_GET_ITEM(names, index);
}

// Reading (or writing) a container's items by a key: a mutable container is a location, an
// immutable one no shared state. A dict or set compares the key with its own keys.
Access items(PyObject* container, PyObject* key, bool write, void* frame) {
  if (container == nullptr || (key != nullptr && !simple(key))) return Access::anything();
  if ((PyDict_CheckExact(container) || PySet_CheckExact(container) || PyFrozenSet_CheckExact(container)) &&
      key != nullptr && !elements_simple(container))
    return Access::anything();
  if (PyDict_CheckExact(container) && namespace_dict(container, frame)) return Access::anything();
  if (!write && immutable_container(container)) return Access::local();
  if (!mutable_container(container)) return Access::anything();
  Access a = Access::local();  // add() makes it Precise
  a.add(container, nullptr, write);
  return a;
}

// What a call does, for the calls a case makes all the time; anything else may do anything.
// Methods of the exact builtin containers (and collections.deque) read or write their object,
// as long as no argument's or element's own code can run.
struct MethodEffect {
  const char* name;
  bool write;
  bool compares;  // compares its argument with the elements (or keys): they must all be simple
};
constexpr MethodEffect kListMethods[] = {{"append", true, false},  {"insert", true, false},  {"pop", true, false},
                                         {"clear", true, false},   {"reverse", true, false}, {"copy", false, false},
                                         {"remove", true, true},   {"index", false, true},   {"count", false, true},
                                         {"__len__", false, false}};
constexpr MethodEffect kDictMethods[] = {
    {"get", false, true},    {"setdefault", true, true},    {"pop", true, true},      {"popitem", true, false},
    {"clear", true, false},  {"copy", false, false},        {"keys", false, false},   {"values", false, false},
    {"items", false, false}, {"__contains__", false, true}, {"__len__", false, false}};
constexpr MethodEffect kSetMethods[] = {{"add", true, true},           {"discard", true, true},  {"remove", true, true},
                                        {"pop", true, false},          {"clear", true, false},   {"copy", false, false},
                                        {"__contains__", false, true}, {"__len__", false, false}};
constexpr MethodEffect kDequeMethods[] = {{"append", true, false},  {"appendleft", true, false}, {"pop", true, false},
                                          {"popleft", true, false}, {"clear", true, false},      {"copy", false, false},
                                          {"rotate", true, false},  {"__len__", false, false}};

template <size_t N>
const MethodEffect* find_method(const MethodEffect (&table)[N], const char* name) {
  for (const auto& m : table)
    if (std::strcmp(m.name, name) == 0) return &m;
  return nullptr;
}

// A call: callable and self-or-null under its oparg arguments on the stack.
Access call(void* frame, int nargs) {
  auto top = [frame](int depth) { return pyrace_frame_stack(frame, depth); };
  PyObject* callable = top(nargs + 1);
  PyObject* self = top(nargs);  // null: a plain call
  if (callable == nullptr) return Access::anything();
  // A method of a builtin container, loaded as LOAD_ATTR's method form: (descriptor, object).
  if (self != nullptr && Py_IS_TYPE(callable, &PyMethodDescr_Type)) {
    const char* name = reinterpret_cast<PyMethodDescrObject*>(callable)->d_method->ml_name;
    const MethodEffect* m = nullptr;
    if (PyList_CheckExact(self)) m = find_method(kListMethods, name);
    else if (PyDict_CheckExact(self) && !namespace_dict(self, frame)) m = find_method(kDictMethods, name);
    else if (PySet_CheckExact(self)) m = find_method(kSetMethods, name);
    else if (is_deque(self)) m = find_method(kDequeMethods, name);
    if (m == nullptr) return Access::anything();
    for (int i = 0; i < nargs; ++i) {  // stored, never called; compared ones must be simple
      PyObject* arg = top(nargs - 1 - i);
      if (arg == nullptr || (m->compares && i == 0 && !simple(arg))) return Access::anything();
    }
    if (m->compares && !elements_simple(self)) return Access::anything();
    Access a = Access::local();
    a.add(self, nullptr, m->write);
    return a;
  }
  // A stand-in's method (explore_model.py) on its own object.
  if (self != nullptr && PyFunction_Check(callable)) {
    for (PyObject* t : g_standins)
      if (reinterpret_cast<PyObject*>(Py_TYPE(self)) == t) {
        Access a = Access::local();
        a.add(self, nullptr, true);
        return a;
      }
    return Access::anything();
  }
  // len(x): reads x.
  if (self == nullptr && nargs == 1 && PyCFunction_Check(callable)) {
    PyObject* mod = PyCFunction_GET_SELF(callable);
    const char* mod_name = mod != nullptr && PyModule_Check(mod) ? PyModule_GetName(mod) : nullptr;
    if (mod_name == nullptr) PyErr_Clear();
    if (mod_name != nullptr && std::strcmp(mod_name, "builtins") == 0 &&
        std::strcmp(reinterpret_cast<PyCFunctionObject*>(callable)->m_ml->ml_name, "len") == 0) {
      PyObject* arg = top(0);
      if (arg == nullptr) return Access::anything();
      if (immutable_container(arg)) return Access::local();
      if (!mutable_container(arg)) return Access::anything();
      Access a = Access::local();
      a.add(arg, nullptr, false);
      return a;
    }
  }
  return Access::anything();
}

// with-statements look up __enter__ / __exit__ on the type: a class attribute read.
PyObject* special_name(int oparg) {
  static PyObject* names[4] = {};
  static const char* const text[4] = {"__enter__", "__exit__", "__aenter__", "__aexit__"};
  if (oparg < 0 || oparg > 3) return nullptr;
  if (names[oparg] == nullptr) names[oparg] = PyUnicode_InternFromString(text[oparg]);  // kept for the process
  return names[oparg];
}

Access instruction(const StepSite& site, int op, int oparg) {
  PyObject* code = site.code;
  void* frame = site.frame;
  auto top = [frame](int depth) { return pyrace_frame_stack(frame, depth); };
  switch (op) {
    case LOAD_ATTR:
      return attribute(top(0), name_at(code, oparg >> 1), false);
    case STORE_ATTR:
    case DELETE_ATTR:
      return attribute(top(0), name_at(code, oparg), true);
    case LOAD_GLOBAL: {
      PyObject *g = pyrace_frame_globals(frame), *b = pyrace_frame_builtins(frame), *name = name_at(code, oparg >> 1);
      if (!g || !b || !name) return Access::anything();
      Access a = Access::local();
      a.add(g, name, false);
      a.add(b, name, false);
      return a;
    }
    case STORE_GLOBAL:
    case DELETE_GLOBAL: {
      PyObject *g = pyrace_frame_globals(frame), *name = name_at(code, oparg);
      if (!g || !name) return Access::anything();
      Access a = Access::local();
      a.add(g, name, true);
      return a;
    }
    case LOAD_DEREF:
    case STORE_DEREF: {
      PyObject* cell = pyrace_frame_local(frame, oparg);
      if (cell == nullptr || !PyCell_Check(cell)) return Access::anything();
      Access a = Access::local();
      a.add(cell, nullptr, op == STORE_DEREF);
      return a;
    }
    case BINARY_OP: {
      PyObject *lhs = top(1), *rhs = top(0);
      if (oparg == NB_SUBSCR) return items(lhs, rhs, false, frame);
      return simple(lhs) && simple(rhs) ? Access::local() : Access::anything();
    }
    case BINARY_SLICE:
      return simple(top(1)) && simple(top(0)) ? items(top(2), nullptr, false, frame) : Access::anything();
    case STORE_SUBSCR:  // (value, container, key): a slice assignment iterates the value
      return PySlice_Check(top(0)) ? Access::anything() : items(top(1), top(0), true, frame);
    case DELETE_SUBSCR:
      return items(top(1), top(0), true, frame);
    case COMPARE_OP:
      return simple(top(1)) && simple(top(0)) ? Access::local() : Access::anything();
    case CONTAINS_OP: {  // (item, container)
      PyObject *item = top(1), *container = top(0);
      if (!simple(item) || container == nullptr || !elements_simple(container)) return Access::anything();
      return items(container, nullptr, false, frame);
    }
    case TO_BOOL:
    case UNARY_NEGATIVE:
    case UNARY_INVERT:
    case FORMAT_SIMPLE: {
      PyObject* v = top(0);
      if (simple(v)) return Access::local();
      if (op == TO_BOOL && v != nullptr && mutable_container(v)) return items(v, nullptr, false, frame);
      return Access::anything();
    }
    case GET_ITER: {  // a list or tuple iterator only points at its sequence; a dict's or set's
      PyObject* v = top(0);  // remembers the size it started at (the "changed size" check)
      if (v == nullptr) return Access::anything();
      if (PyList_CheckExact(v) || immutable_container(v)) return Access::local();
      if (PyDict_CheckExact(v) || PySet_CheckExact(v)) return items(v, nullptr, false, frame);
      return Access::anything();
    }
    case FOR_ITER: {  // (iterator): advances it, reading its sequence
      PyObject* it = top(0);
      if (it == nullptr) return Access::anything();
      int known = 0;
      PyObject* seq = pyrace_iterator_sequence(it, &known);
      if (!known) return Access::anything();
      Access a = Access::local();
      a.add(it, nullptr, true);  // the iterator itself may be shared (Iter_01)
      if (seq != nullptr && PyList_CheckExact(seq)) a.add(seq, nullptr, false);
      return a;
    }
    case UNPACK_SEQUENCE:
    case LIST_EXTEND: {  // LIST_EXTEND: a list display, whose new list is the thread's own
      PyObject* v = top(0);
      return v != nullptr && (PyTuple_CheckExact(v) || PyList_CheckExact(v)) ? items(v, nullptr, false, frame)
                                                                             : Access::anything();
    }
    case CALL:
      return call(frame, oparg);
    case LOAD_SPECIAL: {
      PyObject *owner = top(0), *name = special_name(oparg);
      if (owner == nullptr || name == nullptr) return Access::anything();
      PyObject* descr = _PyType_Lookup(Py_TYPE(owner), name);
      if (descr == nullptr || !plain_descriptor(descr)) return Access::anything();
      Access a = Access::local();
      add_mro(a, Py_TYPE(owner), name);
      return a;
    }
    case BUILD_LIST:
    case BUILD_TUPLE:
    case BUILD_SLICE:
    case BUILD_STRING:
    case LIST_APPEND:  // a comprehension's own list
      return Access::local();
    default:
      return Access::anything();
  }
}

// Whether the step can run on past its frame into code that is no scheduling point: its caller
// is C (map(), sort(key=...), a lookup calling a case's __eq__) or Python of another file. The
// actors' caller, pyrace's loader, only loops and collects what they return.
bool caller_is_scheduled(const StepSite& site) {
  PyObject* caller = pyrace_frame_caller_code(site.frame);
  if (caller == nullptr) return false;
  PyObject* mine = reinterpret_cast<PyCodeObject*>(site.code)->co_filename;
  PyObject* theirs = reinterpret_cast<PyCodeObject*>(caller)->co_filename;
  if (theirs == mine) return true;
  if (!PyUnicode_Check(theirs) || !PyUnicode_Check(mine)) return false;
  return PyUnicode_Compare(theirs, mine) == 0 || PyUnicode_CompareWithASCIIString(theirs, "<pyrace loader>") == 0;
}

}  // namespace

void set_own_state_standins(std::vector<PyObject*> types) { g_standins = std::move(types); }

Access classify_access(const StepSite& site) {
  if (site.frame == nullptr || site.bytecode == nullptr || site.offset < 0 || site.offset + 1 >= site.size)
    return Access::anything();
  const int op = static_cast<unsigned char>(site.bytecode[site.offset]);
  int oparg = static_cast<unsigned char>(site.bytecode[site.offset + 1]);
  for (int back = site.offset - 2, shift = 8; back >= 0 && shift <= 24; back -= 2, shift += 8) {
    if (static_cast<unsigned char>(site.bytecode[back]) != EXTENDED_ARG) break;
    oparg |= static_cast<unsigned char>(site.bytecode[back + 1]) << shift;
  }
  Access a = instruction(site, op, oparg);
  if (PyErr_Occurred()) PyErr_Clear();  // a lookup that failed: the classification stands as made
  if (a.kind != Access::Kind::Anything && !caller_is_scheduled(site)) return Access::anything();
  return a;
}

}  // namespace pyrace
