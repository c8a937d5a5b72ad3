"""The course's LeNet-5 reference table as the window shows it: Layer, Activation shape, Activation size, # parameters."""
COURSE_TABLE = [
    ("Input", "(32,32,3)", "3,072", "0"),
    ("CONV1", "(28,28,8)", "6,272", "608"),
    ("POOL1", "(14,14,8)", "1,568", "0"),
    ("CONV2", "(10,10,16)", "1,600", "3,216"),
    ("POOL2", "(5,5,16)", "400", "0"),
    ("FC3", "(120,1)", "120", "48,120"),
    ("FC4", "(84,1)", "84", "10,164"),
    ("Softmax", "(10,1)", "10", "850"),
]
