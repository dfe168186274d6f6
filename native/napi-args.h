// Reads a Node-API call's arguments by position (addon.cc): the first problem is kept and thrown as a TypeError naming the function.
#pragma once

#include <node_api.h>

#include <string>

/** Reads a call's arguments by position; the first problem is kept and thrown by `done`. */
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* name, size_t count) : env_(env), name_(name) {
    argc_ = MAX;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
    if (argc_ != count) problem_ = std::to_string(count) + " arguments expected, got " + std::to_string(argc_);
  }

  bool flag(size_t i) {
    bool v = false;
    if (ok() && napi_get_value_bool(env_, argv_[i], &v) != napi_ok) problem_ = "argument " + std::to_string(i) + " must be a boolean";
    return v;
  }

  double number(size_t i) {
    double v = 0;
    if (ok() && napi_get_value_double(env_, argv_[i], &v) != napi_ok) problem_ = "argument " + std::to_string(i) + " must be a number";
    return v;
  }

  long count(size_t i) {
    const double v = number(i);
    if (ok() && (v < 0 || v != static_cast<double>(static_cast<long>(v)))) problem_ = "argument " + std::to_string(i) + " must be a non-negative integer";
    return static_cast<long>(v);
  }

  int threads(size_t i) {
    const long t = count(i);
    return static_cast<int>(t < 1 ? 1 : t > 64 ? 64 : t);
  }

  /** A typed array of the given type, with at least `need` elements. */
  template <typename T>
  T* array(size_t i, napi_typedarray_type type, double need, size_t* length = nullptr) {
    if (!ok()) return nullptr;
    bool is = false;
    napi_typedarray_type actual;
    size_t len = 0, offset = 0;
    void* data = nullptr;
    napi_value buffer;
    if (napi_is_typedarray(env_, argv_[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env_, argv_[i], &actual, &len, &data, &buffer, &offset) != napi_ok || actual != type) {
      problem_ = "argument " + std::to_string(i) + " must be a " + typeName(type);
      return nullptr;
    }
    if (static_cast<double>(len) < need) problem_ = "argument " + std::to_string(i) + " holds " + std::to_string(len) + " values, fewer than the sizes need";
    if (length != nullptr) *length = len;
    return static_cast<T*>(data);
  }

  napi_typedarray_type typeOf(size_t i) {
    bool is = false;
    napi_typedarray_type type = napi_int8_array;
    size_t len, offset;
    void* data;
    napi_value buffer;
    if (ok() && (napi_is_typedarray(env_, argv_[i], &is) != napi_ok || !is || napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, &buffer, &offset) != napi_ok)) {
      problem_ = "argument " + std::to_string(i) + " must be a typed array";
    }
    return type;
  }

  bool ok() const { return problem_.empty(); }

  /** Records a problem (the first one is kept). */
  void fail(const std::string& problem) {
    if (ok()) problem_ = problem;
  }

  /** Throws the problem, if any; true when the call may go on. */
  bool done() {
    if (ok()) return true;
    napi_throw_type_error(env_, "ERR_DAG_NATIVE", (std::string(name_) + ": " + problem_).c_str());
    return false;
  }

 private:
  static constexpr size_t MAX = 16;
  static const char* typeName(napi_typedarray_type t) {
    switch (t) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      default: return "typed array";
    }
  }
  napi_env env_;
  const char* name_;
  size_t argc_;
  napi_value argv_[MAX];
  std::string problem_;
};
