#include "worker/access_model.hpp"

#include <opcode.h>  // opcode numbers and NB_* operators (CPython's public header)

#include "worker/frame_peek.h"

#include <cstring>

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
bool mutable_container(PyObject* o) {
  return PyList_CheckExact(o) || PyDict_CheckExact(o) || PySet_CheckExact(o) || PyByteArray_CheckExact(o);
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

Access attribute(PyObject* owner, PyObject* name, bool write) {
  if (owner == nullptr || name == nullptr) return Access::anything();
  Access a = Access::local();  // add() makes it Precise
  if (PyModule_CheckExact(owner)) {  // a module's attributes are its globals
    PyObject* d = PyModule_GetDict(owner);
    if (d == nullptr) return Access::anything();
    a.add(d, name, write);
    return a;
  }
  if (PyType_CheckExact(owner)) {  // a class's own attribute (metaclass: type itself)
    if (write) {
      a.add(owner, name, true);
      return a;
    }
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

// Reading (or writing) a mutable container's items; immutable ones are no shared state.
Access items(PyObject* container, PyObject* key, bool write) {
  if (container == nullptr || (key != nullptr && !simple(key))) return Access::anything();
  if (!write && immutable_container(container)) return Access::local();
  if (!mutable_container(container)) return Access::anything();
  Access a = Access::local();  // add() makes it Precise
  a.add(container, nullptr, write);
  return a;
}

// What a call does, for the calls a case makes all the time; anything else may do anything.
// Methods of the exact builtin containers (and collections.deque) read or write their object,
// as long as no argument's own code can run (hashing or comparing a user object would).
struct MethodEffect {
  const char* name;
  bool write;
  int hashed;  // -1: no argument is hashed or compared; else this argument must be simple
};
constexpr MethodEffect kListMethods[] = {
    {"append", true, -1}, {"insert", true, -1}, {"pop", true, -1},   {"clear", true, -1}, {"reverse", true, -1},
    {"copy", false, -1},  {"remove", true, 0},  {"index", false, 0}, {"count", false, 0}, {"__len__", false, -1}};
constexpr MethodEffect kDictMethods[] = {{"get", false, 0},          {"setdefault", true, 0}, {"pop", true, 0},
                                         {"popitem", true, -1},      {"clear", true, -1},     {"copy", false, -1},
                                         {"keys", false, -1},        {"values", false, -1},   {"items", false, -1},
                                         {"__contains__", false, 0}, {"__len__", false, -1}};
constexpr MethodEffect kSetMethods[] = {{"add", true, 0},           {"discard", true, 0},  {"remove", true, 0},
                                        {"pop", true, -1},          {"clear", true, -1},   {"copy", false, -1},
                                        {"__contains__", false, 0}, {"__len__", false, -1}};
constexpr MethodEffect kDequeMethods[] = {{"append", true, -1},  {"appendleft", true, -1}, {"pop", true, -1},
                                          {"popleft", true, -1}, {"clear", true, -1},      {"copy", false, -1},
                                          {"rotate", true, -1},  {"__len__", false, -1}};
// explore_model.py's stand-ins whose methods touch nothing but their own object (Condition and
// Queue reach other objects: they stay "anything").
constexpr const char* kOwnStateStandIns[] = {"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event"};

template <size_t N>
const MethodEffect* find_method(const MethodEffect (&table)[N], const char* name) {
  for (const auto& m : table)
    if (std::strcmp(m.name, name) == 0) return &m;
  return nullptr;
}

bool is_deque(PyObject* o) {
  PyTypeObject* t = Py_TYPE(o);
  return !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) && std::strcmp(t->tp_name, "collections.deque") == 0;
}

// A call: callable and self-or-null under its oparg arguments on the stack.
Access call(PyObject* code, int nargs) {
  auto top = [code](int depth) { return pyrace_frame_stack(code, depth); };
  PyObject* callable = top(nargs + 1);
  PyObject* self = top(nargs);  // null: a plain call
  if (callable == nullptr) return Access::anything();
  // A method of a builtin container, loaded as LOAD_ATTR's method form: (descriptor, object).
  if (self != nullptr && Py_IS_TYPE(callable, &PyMethodDescr_Type)) {
    const char* name = reinterpret_cast<PyMethodDescrObject*>(callable)->d_method->ml_name;
    const MethodEffect* m = nullptr;
    if (PyList_CheckExact(self)) m = find_method(kListMethods, name);
    else if (PyDict_CheckExact(self)) m = find_method(kDictMethods, name);
    else if (PySet_CheckExact(self)) m = find_method(kSetMethods, name);
    else if (is_deque(self)) m = find_method(kDequeMethods, name);
    if (m == nullptr) return Access::anything();
    for (int i = 0; i < nargs; ++i) {
      PyObject* arg = top(nargs - 1 - i);
      if (arg == nullptr || (i == m->hashed && !simple(arg))) return Access::anything();
    }
    Access a = Access::local();
    a.add(self, nullptr, m->write);
    return a;
  }
  // A stand-in's method (explore_model.py), on its own object.
  if (self != nullptr && PyFunction_Check(callable)) {
    PyObject* module = PyFunction_GetModule(callable);  // borrowed
    if (module == nullptr || !PyUnicode_Check(module) ||
        PyUnicode_CompareWithASCIIString(module, "_pyrace_explore_model") != 0)
      return Access::anything();
    const char* type_name = Py_TYPE(self)->tp_name;
    for (const char* own : kOwnStateStandIns)
      if (std::strcmp(type_name, own) == 0) {
        Access a = Access::local();
        a.add(self, nullptr, true);
        return a;
      }
    return Access::anything();
  }
  // len(x): reads x.
  if (self == nullptr && nargs == 1 && PyCFunction_Check(callable) &&
      std::strcmp(reinterpret_cast<PyCFunctionObject*>(callable)->m_ml->ml_name, "len") == 0 &&
      PyCFunction_GET_SELF(callable) != nullptr && PyModule_Check(PyCFunction_GET_SELF(callable)) &&
      std::strcmp(PyModule_GetName(PyCFunction_GET_SELF(callable)), "builtins") == 0) {
    PyObject* arg = top(0);
    if (arg == nullptr) return Access::anything();
    if (immutable_container(arg)) return Access::local();
    if (!mutable_container(arg) && !is_deque(arg)) return Access::anything();
    Access a = Access::local();
    a.add(arg, nullptr, false);
    return a;
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
}  // namespace

Access classify_access(PyObject* code, const char* bytecode, Py_ssize_t size, int offset) {
  if (offset < 0 || offset + 1 >= size) return Access::anything();
  const int op = static_cast<unsigned char>(bytecode[offset]);
  int oparg = static_cast<unsigned char>(bytecode[offset + 1]);
  for (int back = offset - 2, shift = 8; back >= 0 && shift <= 24; back -= 2, shift += 8) {
    if (static_cast<unsigned char>(bytecode[back]) != EXTENDED_ARG) break;
    oparg |= static_cast<unsigned char>(bytecode[back + 1]) << shift;
  }
  auto top = [code](int depth) { return pyrace_frame_stack(code, depth); };
  switch (op) {
    case LOAD_ATTR:
      return attribute(top(0), name_at(code, oparg >> 1), false);
    case STORE_ATTR:
    case DELETE_ATTR:
      return attribute(top(0), name_at(code, oparg), true);
    case LOAD_GLOBAL: {
      PyObject *g = pyrace_frame_globals(code), *b = pyrace_frame_builtins(code), *name = name_at(code, oparg >> 1);
      if (!g || !b || !name) return Access::anything();
      Access a = Access::local();  // add() makes it Precise
      a.add(g, name, false);
      a.add(b, name, false);
      return a;
    }
    case STORE_GLOBAL:
    case DELETE_GLOBAL: {
      PyObject *g = pyrace_frame_globals(code), *name = name_at(code, oparg);
      if (!g || !name) return Access::anything();
      Access a = Access::local();  // add() makes it Precise
      a.add(g, name, true);
      return a;
    }
    case LOAD_DEREF:
    case STORE_DEREF: {
      PyObject* cell = pyrace_frame_local(code, oparg);
      if (cell == nullptr || !PyCell_Check(cell)) return Access::anything();
      Access a = Access::local();  // add() makes it Precise
      a.add(cell, nullptr, op == STORE_DEREF);
      return a;
    }
    case BINARY_OP: {
      PyObject *lhs = top(1), *rhs = top(0);
      if (oparg == NB_SUBSCR) return items(lhs, rhs, false);
      return simple(lhs) && simple(rhs) ? Access::local() : Access::anything();
    }
    case BINARY_SLICE:
      return simple(top(1)) && simple(top(0)) ? items(top(2), nullptr, false) : Access::anything();
    case STORE_SUBSCR:
      return items(top(1), top(0), true);
    case DELETE_SUBSCR:
      return items(top(1), top(0), true);
    case COMPARE_OP:
      return simple(top(1)) && simple(top(0)) ? Access::local() : Access::anything();
    case CONTAINS_OP: {
      PyObject *item = top(1), *container = top(0);
      if (!simple(item) || container == nullptr) return Access::anything();
      return items(container, nullptr, false);
    }
    case TO_BOOL:
    case UNARY_NEGATIVE:
    case UNARY_INVERT:
    case FORMAT_SIMPLE: {
      PyObject* v = top(0);
      if (simple(v)) return Access::local();
      if (op == TO_BOOL && v != nullptr && mutable_container(v)) return items(v, nullptr, false);
      return Access::anything();
    }
    case GET_ITER: {  // makes an iterator; the reads happen at FOR_ITER
      PyObject* v = top(0);
      return v != nullptr && (immutable_container(v) || mutable_container(v)) ? Access::local() : Access::anything();
    }
    case FOR_ITER: {  // 3.14: the iterator, or a list or tuple iterated by index, under the index
      PyObject* it = top(1);
      return it != nullptr && (immutable_container(it) || PyList_CheckExact(it)) ? items(it, nullptr, false)
                                                                                 : Access::anything();
    }
    case UNPACK_SEQUENCE: {
      PyObject* v = top(0);
      return v != nullptr && (PyTuple_CheckExact(v) || PyList_CheckExact(v)) ? items(v, nullptr, false)
                                                                             : Access::anything();
    }
    case LIST_EXTEND: {  // a list display: the new list is the thread's own
      PyObject* v = top(0);
      return v != nullptr && (PyTuple_CheckExact(v) || PyList_CheckExact(v)) ? items(v, nullptr, false)
                                                                             : Access::anything();
    }
    case CALL:
      return call(code, oparg);
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

}  // namespace pyrace
